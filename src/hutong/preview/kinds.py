"""schema.org types → card kinds: the one table both the extractor and the card builder read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

CardKind = Literal["product", "video", "article", "profile", "live", "generic"]

TYPE_KINDS: Mapping[str, CardKind] = {
    **dict.fromkeys(
        ("Product", "ProductGroup", "IndividualProduct", "ProductModel", "Offer", "AggregateOffer"), "product"
    ),
    **dict.fromkeys(("VideoObject", "Movie", "TVEpisode", "Episode", "Clip", "VideoGallery"), "video"),
    **dict.fromkeys(
        (
            "Article",
            "NewsArticle",
            "BlogPosting",
            "Report",
            "ScholarlyArticle",
            "TechArticle",
            "AnalysisNewsArticle",
            "OpinionNewsArticle",
            "ReportageNewsArticle",
            "LiveBlogPosting",
            "SocialMediaPosting",
            "DiscussionForumPosting",
            "QAPage",
            "Question",
            "Answer",
        ),
        "article",
    ),
    **dict.fromkeys(("ProfilePage", "Person"), "profile"),
    "BroadcastEvent": "live",
}

# types whose presence settles a page's kind before the body is parsed (a Person is often only
# an article's author, so it settles nothing)
DECISIVE_TYPES = frozenset(t for t in TYPE_KINDS if t != "Person")

OFFER_TYPES = frozenset(("Offer", "AggregateOffer"))

# types that describe what surrounds a page's subject (its site, publisher, navigation, ratings,
# prices, places): their names are no title for the page
SURROUNDING_TYPES = frozenset(
    (
        "WebSite",
        "WebPageElement",
        "SiteNavigationElement",
        "WPHeader",
        "WPFooter",
        "WPSideBar",
        "Organization",
        "Corporation",
        "NewsMediaOrganization",
        "Brand",
        "BreadcrumbList",
        "ListItem",
        "ItemList",
        "SearchAction",
        "EntryPoint",
        "ReadAction",
        "WatchAction",
        "ViewAction",
        "ImageObject",
        "Offer",
        "AggregateOffer",
        "PriceSpecification",
        "UnitPriceSpecification",
        "MonetaryAmount",
        "AggregateRating",
        "Rating",
        "InteractionCounter",
        "PostalAddress",
        "GeoCoordinates",
        "ContactPoint",
        "PropertyValue",
        "QuantitativeValue",
        "Country",
        "Language",
    )
)
