"""Errors of media."""

from domain.errors import DomainError, NotAllowed, NotFound


class MediaNotFound(NotFound):
    code = "media-not-found"
    title = "No such media item in this tenant"


class UnsupportedImage(DomainError):
    """The bytes are not a decodable image of an allowed type (whatever their name said)."""

    code = "unsupported-image"
    title = "Not an image this service takes (JPEG, PNG, WebP or HEIC)"


class ImageTooLarge(DomainError):
    """Too many bytes for the tenant's limit, or too many pixels to decode safely."""

    code = "image-too-large"
    title = "The image is too large"


class MediaOwnerRequired(NotAllowed):
    code = "media-owner-required"
    title = "Only the media's owner, the team of what shows it, or a moderator may do this"
