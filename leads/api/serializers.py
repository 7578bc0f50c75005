"""Serializers of lead scores, the change feed, follow-ups and scoring models. The hot read paths
(leads list, change feed) are served from values() by the views; these serializers describe them."""

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from crm.api.base import JsonTypesMixin
from crm.api.serializers import ExchangeSerializer
from crm.names import DISPLAY_NAME_HELP, person_name_of
from crm.shares import stored_shares_in_view
from intel.models import MarketFigure
from leads.choices import FollowUpStatus, Grade, ScoreCause
from leads.models import FollowUp, RescoreRun, Score, ScoringModel, WebhookDelivery, WebhookSubscription
from leads.parameters import json_kind
from leads.sentences import factor_sentence, factors_in
from leads.webhooks.choices import WebhookEvent
from leads.webhooks.targets import TargetRefused, check_target


class SentenceField(serializers.CharField):
    """A stored factor's sentence, rendered in the response's language (leads.sentences): the factor keeps
    its message id and parameters, not a sentence."""

    def get_attribute(self, instance):
        return factor_sentence(instance, self.context.get("language"))


class FactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField(help_text="What it adds to (or takes from) the score.")
    sentence = SentenceField(help_text="The reason, as a rep would read it, in the response's language.")
    references = serializers.ListField(child=serializers.CharField(), help_text="e.g. 'allocation:12', 'signal:4'.")


class ScoreSummarySerializer(serializers.ModelSerializer):
    factors = FactorSerializer(many=True)

    class Meta:
        model = Score
        fields = [
            "score",
            "grade",
            "factors",
            "model_version",
            "is_defend",
            "is_research_needed",
            "as_of",
            "computed_at",
        ]
        read_only_fields = fields


class MarketFigureSerializer(serializers.ModelSerializer):
    """The newest market figure of an exchange, with its source, date and the source's attribution."""

    attribution = serializers.SerializerMethodField(help_text="e.g. 'Data provided by CoinGecko (2023-01-07)'.")

    class Meta:
        model = MarketFigure
        fields = [
            "source",
            "as_of",
            "source_exchange_id",
            "volume_24h_btc",
            "volume_24h_btc_normalized",
            "trust_score",
            "trust_score_rank",
            "year_established",
            "country",
            "attribution",
        ]
        read_only_fields = fields

    def get_attribution(self, figure) -> str:
        return f"Data provided by {figure.get_source_display()} ({figure.as_of:%Y-%m-%d})"


class SharesSerializer(serializers.Serializer):
    """Who holds the workload the score speaks of (crm.shares.shares_in_view)."""

    workload = serializers.CharField(help_text="The workload in view: 'all' when known, else the most covered one.")
    our_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    largest_rival = serializers.CharField(allow_null=True, help_text="The rival vendor's name.")
    largest_rival_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ScoredExchangeSerializer(ExchangeSerializer):
    score = ScoreSummarySerializer(read_only=True, allow_null=True, help_text="Null until the exchange is scored.")
    market_figure = serializers.SerializerMethodField(
        help_text="The newest market figure (the size tier in effect rests on it unless set by hand); null if none."
    )
    shares = serializers.SerializerMethodField(help_text="Our share and the largest rival's; null with no allocation.")

    class Meta(ExchangeSerializer.Meta):
        fields = [*ExchangeSerializer.Meta.fields, "score", "market_figure", "shares"]

    @extend_schema_field(SharesSerializer(allow_null=True))
    def get_shares(self, exchange) -> dict | None:
        view = stored_shares_in_view(exchange.allocations.all(), home_slug=settings.CRM_HOME_VENDOR)
        if not view.workload:
            return None
        rival = view.largest_rival
        return SharesSerializer(
            {
                "workload": view.workload,
                "our_share": view.our_share,
                "largest_rival": rival.vendor_name if rival else None,
                "largest_rival_share": rival.share_percent if rival else None,
            }
        ).data

    @extend_schema_field(MarketFigureSerializer(allow_null=True))
    def get_market_figure(self, exchange) -> dict | None:
        newest = getattr(exchange, "newest_market_figures", None)
        if newest is None:  # not prefetched (a single write): read it
            newest = list(MarketFigure.objects.newest_per_exchange().filter(exchange=exchange))
        return MarketFigureSerializer(newest[0]).data if newest else None


class WinLikelihoodSerializer(serializers.Serializer):
    """A win likelihood as shown beside the rules score (leads.pipeline_training.win_likelihood_summary)."""

    opportunity = serializers.IntegerField()
    likelihood_percent = serializers.IntegerField()
    model_version = serializers.IntegerField()
    as_of = serializers.DateTimeField(help_text="The features' moment: when the opportunity opened.")
    predicted_at = serializers.DateTimeField()
    trained_on_generated = serializers.BooleanField(help_text="The model learned from GENERATED demo history.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="The three strongest contributions.")


class LeadSerializer(serializers.Serializer):
    """One row of the ranked prospect list."""

    slug = serializers.CharField()
    name = serializers.CharField()
    score = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=Grade.choices)
    is_defend = serializers.BooleanField()
    model_version = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    headquarters = serializers.CharField(allow_null=True, help_text="Jurisdiction code.")
    size_tier = serializers.CharField()
    stage = serializers.CharField()
    owner = serializers.CharField(allow_null=True, help_text="Username.")
    win_likelihood = WinLikelihoodSerializer(
        allow_null=True,
        required=False,
        help_text="With include_win_likelihood=true: the win likelihood of the exchange's newest open "
        "opportunity (null: none predicted yet).",
    )


@extend_schema_serializer(many=False)
class LeadPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LeadSerializer(many=True)


class EvidenceSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="kind:id, as in the factor.")
    kind = serializers.CharField()
    label = serializers.CharField(help_text="What the evidence is, in words.")
    source_url = serializers.CharField(allow_blank=True)
    occurred_on = serializers.CharField(allow_null=True, help_text="When it happened or was observed (ISO date).")


class ExplainedFactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    sentence = serializers.CharField()
    evidence = EvidenceSerializer(many=True)


class ExplanationSerializer(serializers.Serializer):
    exchange = serializers.CharField(help_text="Slug.")
    name = serializers.CharField()
    score = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=Grade.choices)
    is_defend = serializers.BooleanField()
    model_version = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    factors = ExplainedFactorSerializer(many=True)
    stored_score = serializers.IntegerField(allow_null=True, help_text="The last score written (null: not yet).")
    language = serializers.CharField(help_text="The language of the sentences: en, ja or zh-hans.")


class ScoreChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The cursor: store the last one you processed.")
    exchange = serializers.CharField(help_text="Slug.")
    old_score = serializers.IntegerField(allow_null=True)
    new_score = serializers.IntegerField()
    old_grade = serializers.CharField(allow_blank=True)
    new_grade = serializers.CharField()
    is_defend = serializers.BooleanField()
    model_version = serializers.IntegerField()
    cause = serializers.ChoiceField(choices=ScoreCause.choices)
    as_of = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    new_factors = FactorSerializer(many=True, required=False, help_text="Only with include_factors=true.")


@extend_schema_serializer(many=False)
class ScoreChangePageSerializer(serializers.Serializer):
    results = ScoreChangeSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text="Pass as `cursor` next time; equal to the input when empty.")
    has_more = serializers.BooleanField(help_text="More changes are waiting: ask again at once.")


class FollowUpSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="attendee.full_name", read_only=True)
    display_name = serializers.SerializerMethodField(help_text=DISPLAY_NAME_HELP)
    company = serializers.CharField(source="attendee.company", read_only=True)
    title = serializers.CharField(source="attendee.title", read_only=True)
    event = serializers.CharField(source="attendee.event.slug", read_only=True)
    exchange = serializers.CharField(source="attendee.exchange.slug", read_only=True, allow_null=True, default=None)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    status_changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    person_factors = serializers.SerializerMethodField(
        help_text="The reasons of the person score, each sentence in the response's language."
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "attendee",
            "full_name",
            "display_name",
            "company",
            "title",
            "event",
            "exchange",
            "assignee",
            "assignment_method",
            "status",
            "status_changed_by",
            "status_changed_at",
            "due_at",
            "next_step",
            "step_index",
            "first_due_at",
            "person_score",
            "person_factors",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [name for name in fields if name != "status"]

    def get_display_name(self, follow_up) -> str:
        return person_name_of(follow_up.attendee)

    @extend_schema_field(FactorSerializer(many=True))
    def get_person_factors(self, follow_up) -> list[dict]:
        return factors_in(follow_up.person_factors, self.context.get("language"))


class FollowUpStatusSerializer(JsonTypesMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUpStatus.choices)


class FollowUpAssignSerializer(JsonTypesMixin, serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(rep__isnull=False, is_active=True),
        allow_null=True,
        help_text="A rep's username; null takes the follow-up off everyone's list.",
    )


class ScoringModelSerializer(JsonTypesMixin, serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    activate = serializers.BooleanField(write_only=True, default=False, help_text="Make it the active version now.")

    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "version",
            "name",
            "parameters",
            "is_active",
            "notes",
            "created_by",
            "created_at",
            "activated_at",
            "activate",
        ]
        read_only_fields = ["id", "version", "is_active", "created_by", "created_at", "activated_at"]

    def validate_parameters(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(
                f"Must be an object of parameter names and values, not {json_kind(value)}."
            )
        return value


class RescoreRunSerializer(serializers.ModelSerializer):
    """A rescore of every exchange, recorded with the change that causes it and done in chunks."""

    chunks = serializers.IntegerField(source="chunk_count", read_only=True, help_text="Chunks it is split into.")
    chunks_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = RescoreRun
        fields = [
            "id",
            "cause",
            "model_version",
            "as_of",
            "exchanges",
            "chunks",
            "chunks_done",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ScoringModelActivationSerializer(ScoringModelSerializer):
    """The version just made active, and the rescore queued for it (202: it runs after the answer)."""

    rescore = RescoreRunSerializer(read_only=True)

    class Meta(ScoringModelSerializer.Meta):
        fields = [*ScoringModelSerializer.Meta.fields, "rescore"]


class WebhookSubscriptionSerializer(JsonTypesMixin, serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, help_text="Events to send."
    )
    secret = serializers.CharField(
        write_only=True, required=False, min_length=16, max_length=100, help_text="Blank: one is generated."
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "target_url", "secret", "events", "top_n", "language", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_target_url(self, url):
        try:
            check_target(url)
        except TargetRefused as refused:
            raise serializers.ValidationError(str(refused)) from refused
        return url


class IssuedWebhookSubscriptionSerializer(WebhookSubscriptionSerializer):
    signing_secret = serializers.CharField(read_only=True, help_text="Shown once: verify signatures with it.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "signing_secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_id",
            "event",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class CadenceStepSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="call, email, meeting or nurture")
    hours = serializers.IntegerField(
        allow_null=True, help_text="Due this many hours after the event ends (null on a first step: the SLA)."
    )


class CadenceSerializer(serializers.Serializer):
    """An event's follow-up plan: the steps of each grade (checked by leads.cadences.plan_from_json)."""

    event = serializers.CharField(read_only=True)
    is_default = serializers.BooleanField(read_only=True)
    follow_up_sla_hours = serializers.IntegerField(read_only=True)
    steps = serializers.DictField(child=CadenceStepSerializer(many=True))
