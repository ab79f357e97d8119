"""Imports every domain service, so that what they register (search sources, query texts) is known."""

from govlotse.challenges import service as challenges
from govlotse.experts import service as experts
from govlotse.knowledge import service as knowledge
from govlotse.matching import service as matching
from govlotse.organisations import service as organisations
from govlotse.solutions import service as solutions

__all__ = ["challenges", "experts", "knowledge", "matching", "organisations", "solutions"]
