"""The event pages: the review queue, the upload preview, the rejected-rows report, scoped counts."""

import pytest

from intel.models import Attendee

pytestmark = pytest.mark.django_db


def test_the_review_queue_does_not_repeat_the_suggestion_under_also_considered(japan_client, world):
    # given a person suggested for Tokyo Exchange 0, with Tokyo Exchange 1 as the runner-up
    first, second = world["exchanges"][0], world["exchanges"][1]
    person = Attendee.objects.get(full_name="Unsure Person 0")
    person.match_candidates = [
        {"exchange_id": first.pk, "name": first.name, "confidence": 70},
        {"exchange_id": second.pk, "name": second.name, "confidence": 64},
    ]
    person.save()

    # when the rep opens the review queue
    response = japan_client.get(f"/events/{world['event'].slug}/review/")

    # then the suggestion appears once and only the runner-up is "also considered"
    html = response.content.decode()
    section = html[html.index(f'id="person-{person.pk}"') :]
    section = section[: section.index("</section>")]
    assert "Suggested: <a" in section
    assert "Also considered: Tokyo Exchange 1 (64%)</small>" in section
    assert section.count("Tokyo Exchange 0 (70%)") == 0
    assert section.count("Also considered") == 1


def test_a_person_whose_only_candidate_is_the_suggestion_has_no_also_considered(japan_client, world):
    response = japan_client.get(f"/events/{world['event'].slug}/review/")

    assert response.status_code == 200
    assert response.content.decode().count("Suggested: <a") == 3
    assert "Also considered" not in response.content.decode()
