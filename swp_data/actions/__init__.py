"""Actions: the partnership's action plan (:mod:`.plan`) and "did it work?" (:mod:`.evaluate`)."""
