from django.db import migrations

PRESENT = "('present', 'late')"

# Existing marks give the counters their first values (the same recount as
# learning.services.attendance_counters_refresh, in portable SQL).
FORWARD = [
    "UPDATE programmes_enrolment SET "
    "marks_total = (SELECT COUNT(*) FROM learning_attendancemark m "
    "WHERE m.enrolment_id = programmes_enrolment.id), "
    "marks_present = (SELECT COUNT(*) FROM learning_attendancemark m "
    f"WHERE m.enrolment_id = programmes_enrolment.id AND m.status IN {PRESENT})",
    "UPDATE centre_session SET present_count = (SELECT COUNT(*) FROM learning_attendancemark m "
    f"WHERE m.session_id = centre_session.id AND m.status IN {PRESENT})",
]


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0003_report_indexes"),
        ("programmes", "0002_attendance_counters"),
        ("centre", "0005_attendance_counters"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
