print("page-owner-gen: not yet")
