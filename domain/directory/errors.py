"""Errors of the directory."""

from domain.errors import Conflict, NotAllowed, NotFound
from domain.errors import FeatureOff as FeatureOff  # shared by every capability; kept here too


class BusinessNotFound(NotFound):
    code = "business-not-found"
    title = "No such business in this tenant"


class CategoryNotFound(NotFound):
    code = "category-not-found"
    title = "No such category in this tenant"


class OfferNotFound(NotFound):
    code = "offer-not-found"
    title = "No such offer in this tenant"


class ClaimNotFound(NotFound):
    code = "claim-not-found"
    title = "No such claim in this tenant"


class BusinessRoleRequired(NotAllowed):
    code = "business-role-required"
    title = "Only the business's owners and staff (or moderators) may do this"


class CategoryKeyTaken(Conflict):
    code = "category-key-taken"
    title = "The tenant has a category with this key"


class CategoryInUse(Conflict):
    code = "category-in-use"
    title = "The category has sub-categories; remove or move them first"


class ExternalIdTaken(Conflict):
    code = "external-id-taken"
    title = "Another business of this tenant has this external id"


class ClaimPending(Conflict):
    code = "claim-pending"
    title = "You already have a claim on this business waiting for a moderator"


class ClaimDecided(Conflict):
    code = "claim-decided"
    title = "The claim has been decided"


class AlreadyOnTeam(Conflict):
    code = "already-on-team"
    title = "You already have a role on this business"


class LastOwner(Conflict):
    code = "last-owner"
    title = "A business with a team keeps at least one owner"
