"""Seed scoring model v1 (active). Its parameters are written out here, not read from the code,
so a later change of defaults never alters what v1 meant."""

from django.db import migrations

V1_PARAMETERS = {
    "size_points": {"small": 5, "mid": 20, "large": 10, "unknown": 0},
    "largest_rival_points": 20,
    "displacement_points": 10,
    "displacement_share_percent": 60,
    "displaceable_points": 10,
    "defend_share_percent": 80,
    "home_share_points": -10,
    "rival_incident_points": 20,
    "home_incident_points": -10,
    "incident_half_life_days": 180,
    "relocation_points": 20,
    "regulation_points": 10,
    "major_licence_points": 10,
    "ai_interest_points": 10,
    "ai_interest_half_life_days": 120,
    "engagement_points": 10,
    "engagement_half_life_days": 30,
    "grade_a": 70,
    "grade_b": 50,
    "grade_c": 30,
    "persona_infrastructure_points": 15,
    "persona_executive_points": 10,
    "persona_engineer_points": 5,
    "person_engagement_points": 5,
}


def seed(apps, schema_editor):
    ScoringModel = apps.get_model("leads", "ScoringModel")
    if not ScoringModel.objects.filter(version=1).exists():
        ScoringModel.objects.create(
            version=1,
            name="Default",
            parameters=V1_PARAMETERS,
            is_active=not ScoringModel.objects.filter(is_active=True).exists(),
            notes="Seeded defaults: mid-size exchanges, rival share, incidents, regulation, licence, AI, meetings.",
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
