from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Lead scores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm.merging import register_mover

        # Register the tasks in every process (web too): crm.services.evidence_changed looks up
        # "leads.process_evidence_changes" by name after commit.
        from leads import tasks  # noqa: F401

        # crm may not import leads: an account merge moves the score history through this mover.
        from leads.merging import exchange_merge_move_opportunities, exchange_merge_move_scores

        register_mover(exchange_merge_move_scores)
        register_mover(exchange_merge_move_opportunities)

        # intel may not import leads: after an import or a review decision it updates the follow-up
        # list, and counts who acts next, through these.
        from intel.downstream import register_people_changed, register_people_summary
        from leads.services.event_people import follow_ups_update, people_summary

        register_people_changed(follow_ups_update)
        register_people_summary(people_summary)
