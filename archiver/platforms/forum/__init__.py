"""What the forum engines (XenForo, phpBB, SMF) share: posts to items, the spider base."""
