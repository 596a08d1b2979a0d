"""Problem documents' titles in the request's language: English (the titles the domain's
errors and the catalog give) or German (below).

The language is negotiated from `?lang=` or `Accept-Language` against English and German,
English when neither matches. Only the title changes: `type` and `code` stay as they are, and
`detail` stays English. A test holds this table to every error code there is, so a new code
without a German title fails the build."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from domain.languages import choose_language

ENGLISH = "en"
GERMAN = "de"
PROBLEM_LANGUAGES = (ENGLISH, GERMAN)  # the first is what a request matching neither gets

GERMAN_TITLES: dict[str, str] = {
    # The bases of the domain's errors and the HTTP layer's answers of the same code.
    "domain-error": "Die Anfrage verstößt gegen eine Regel",
    "bad-request": "Die Anfrage kann nicht gelesen werden",
    "malformed-json": "Der Inhalt der Anfrage ist kein gültiges JSON",
    "unauthenticated": "Anmeldung erforderlich",
    "not-allowed": "Nicht erlaubt",
    "not-found": "Nicht gefunden",
    "method-not-allowed": "Dieser Pfad nimmt diese Methode nicht an",
    "not-acceptable": "Keine Antwort in einem Medientyp, den der Client annimmt",
    "conflict": "Widerspricht dem aktuellen Stand",
    "gone": "Nicht mehr verfügbar",
    "precondition-failed": "Die Ressource wurde geändert, seit sie gelesen wurde",
    "payload-too-large": "Der Inhalt der Anfrage ist zu groß",
    "unsupported-media-type": "Der Medientyp des Anfrageinhalts wird hier nicht angenommen",
    "invalid-input": "Ungültige Eingabe",
    "too-many-requests": "Zu viele Versuche",
    "internal-error": "Ein Fehler auf unserer Seite; die Request-ID benennt ihn in unseren Logs",
    "unavailable": "Vorübergehend nicht verfügbar",
    # Tenancy.
    "unknown-tenant": "Unter dieser Adresse gibt es keine Stadtplattform",
    "tenant-suspended": "Diese Stadtplattform ist vorübergehend gesperrt",
    "tenant-archived": "Diese Stadtplattform wurde geschlossen",
    "hostname-taken": "Der Hostname gehört schon zu einer anderen Plattform",
    "slug-taken": "Eine Plattform mit diesem Kürzel gibt es schon",
    "origin-not-allowed": "Dieser Ursprung darf die API dieser Stadtplattform nicht aufrufen",
    "rate-limited": "Zu viele Anfragen",
    # Identity and access.
    "invalid-credentials": "E-Mail-Adresse oder Passwort ist falsch",
    "invalid-token": "Das Token ist ungültig oder abgelaufen",
    "login-locked": "Zu viele fehlgeschlagene Anmeldungen bei diesem Konto",
    "not-a-member": "Das Konto ist kein Mitglied dieser Plattform",
    "role-required": "Dafür ist eine höhere Rolle auf dieser Plattform nötig",
    "scope-required": "Dem API-Schlüssel fehlt die Berechtigung für diesen Vorgang",
    "account-required": "Dieser Vorgang ist für angemeldete Personen, nicht für API-Schlüssel",
    "api-key-required": "Dieser Vorgang ist für API-Schlüssel von Partnern",
    "api-key-not-found": "Diesen API-Schlüssel gibt es auf dieser Plattform nicht",
    "member-not-found": "Dieses Mitglied gibt es auf dieser Plattform nicht",
    "last-admin": "Eine Plattform behält mindestens einen Admin",
    "email-taken": "Zu dieser E-Mail-Adresse gibt es schon ein Konto",
    "sso-not-configured": "Diese Plattform hat keine Anmeldung über einen eigenen Anbieter (SSO)",
    "mail-not-sent": "Die E-Mail konnte nicht gesendet werden; versuche es später noch einmal",
    # The directory.
    "feature-off": "Das bietet diese Plattform nicht an",
    "business-not-found": "Diesen Betrieb gibt es auf dieser Plattform nicht",
    "category-not-found": "Diese Kategorie gibt es auf dieser Plattform nicht",
    "offer-not-found": "Dieses Angebot gibt es auf dieser Plattform nicht",
    "claim-not-found": "Diese Inhaberanfrage gibt es auf dieser Plattform nicht",
    "business-role-required": "Nur Inhaber und Team des Betriebs (oder die Moderation) dürfen das",
    "category-key-taken": "Die Plattform hat schon eine Kategorie mit diesem Schlüssel",
    "category-in-use": "Die Kategorie hat Unterkategorien; entferne oder verschiebe sie zuerst",
    "external-id-taken": "Ein anderer Betrieb dieser Plattform hat diese externe ID",
    "claim-pending": "Deine Inhaberanfrage für diesen Betrieb wartet schon auf die Moderation",
    "claim-decided": "Über die Inhaberanfrage ist schon entschieden",
    "already-on-team": "Du hast schon eine Rolle in diesem Betrieb",
    "last-owner": "Ein Betrieb mit Team behält mindestens einen Inhaber",
    # Media.
    "media-not-found": "Dieses Medium gibt es auf dieser Plattform nicht",
    "unsupported-image": "Kein Bild, das dieser Dienst annimmt (JPEG, PNG, WebP oder HEIC)",
    "image-too-large": "Das Bild ist zu groß",
    "media-owner-required": (
        "Nur wer das Medium hochgeladen hat, das Team dessen, was es zeigt, oder die "
        "Moderation darf das"
    ),
    # Funding.
    "campaign-not-found": "Keine solche Kampagne auf dieser Plattform",
    "reward-tier-not-found": "Keine solche Dankeschön-Stufe in dieser Kampagne",
    "transition-not-allowed": "Die Kampagne kann von ihrem Status aus nicht dorthin wechseln",
    "campaign-closed": "Die Kampagne nimmt gerade keine Unterstützung an",
    "reward-sold-out": "Von diesem Dankeschön ist nichts mehr übrig",
    "refund-too-large": "Die Erstattungen wären höher als der eingezogene Betrag",
    "pledge-not-found": "Diese Unterstützung gibt es hier nicht",
    "refund-not-found": "Diese Erstattung gibt es hier nicht",
    "idempotency-key-reused": "Dieser Idempotency-Key gehört zu einer anderen Anfrage",
    "webhook-refused": "Die Signatur des Webhooks ist ungültig",
    "payments-unavailable": "Zahlungen sind gerade nicht möglich",
    "payment-not-confirmed": "Die Zahlung ist noch nicht bestätigt",
    "card-not-replaceable": "Eine andere Karte geht nur nach einer abgelehnten Zahlung",
    "pledges-elsewhere": "Diese Kampagne nimmt Unterstützung auf ihrer eigenen Plattform an",
    # Syndication.
    "listing-not-found": "Diese Kampagne ist hier nicht gelistet",
    "listing-move-not-allowed": "Die Listung ist nicht in einem Zustand, der das erlaubt",
    "partner-campaign-conflict": "Diese externe ID gehört zu einer anderen Kampagne",
    # Webhooks.
    "webhook-subscription-not-found": (
        "Dieses Webhook-Abonnement gibt es auf dieser Plattform nicht"
    ),
    "webhook-delivery-not-found": "Diese Zustellung gibt es in diesem Webhook-Abonnement nicht",
    "webhook-subscription-disabled": "Das Webhook-Abonnement ist abgeschaltet",
    "webhook-target-refused": (
        "Die Webhook-URL zeigt auf eine Adresse, die Webhooks nicht erreichen dürfen"
    ),
}


def problem_language(scope: Scope) -> str:
    """The language of the problem document answering this request: `?lang=` or
    Accept-Language, negotiated against English and German; English when neither matches."""
    request = Request(scope)
    return choose_language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        PROBLEM_LANGUAGES,
    )


def localized_title(code: str, english: str, language: str) -> tuple[str, str]:
    """(title, the language it is in): German when asked and written, else English."""
    if language == GERMAN and code in GERMAN_TITLES:
        return GERMAN_TITLES[code], GERMAN
    return english, ENGLISH
