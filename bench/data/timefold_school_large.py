"""Timefold quickstarts "school timetabling", demo data set LARGE, rebuilt in our format.

Source: https://github.com/TimefoldAI/timefold-quickstarts,
``java/school-timetabling/src/main/java/org/acme/schooltimetabling/rest/TimetableDemoResource.java``
at commit f4a1ab0d4ebdd79109942d14557e85e4e0ea1d07 (Apache-2.0): 25 timeslots (Monday to Friday,
08:30-11:30 and 13:30-15:30 in one-hour slots), rooms A-F, 7 teachers, 4 student groups (9th to
12th grade), 100 lessons (25 per group). That version also draws random "tags" per lesson
(``new Random(7)``) which its constraints of that time used; they are left out here. The newer
version of the file (commit d36e282f) lists the same 9th and 10th grade lessons and omits the
11th and 12th grades "for brevity", so the complete list comes from f4a1ab0d.

Mapping: Timefold's hard constraints (room conflict, teacher conflict, student group conflict)
are ours (room, trainer and cohort double booking). Every room is of one kind ("classroom") with
capacity 1, every group has size 1, the building capacity (1000) never binds, every slot is
allowed and every teacher is always available. Subjects have no counterpart: two lessons of a
group with the same teacher are interchangeable for us (Math and ICT by A. Turing).
"""

TIMESLOTS = [
    (day, start, end)
    for day in ("mon", "tue", "wed", "thu", "fri")
    for start, end in (
        ("08:30", "09:30"),
        ("09:30", "10:30"),
        ("10:30", "11:30"),
        ("13:30", "14:30"),
        ("14:30", "15:30"),
    )
]
ROOMS = ["Room A", "Room B", "Room C", "Room D", "Room E", "Room F"]
TEACHERS = ["A. Turing", "M. Curie", "C. Darwin", "I. Jones", "P. Cruz", "S. Dali", "C. Lewis"]
GROUPS = ["9th grade", "10th grade", "11th grade", "12th grade"]

_T, _C, _D, _J, _P, _S, _L = TEACHERS
_SENIOR = [  # 11th and 12th grade: identical lists in the source
    *[("Math", _T)] * 5,
    ("ICT", _T),
    ("Physics", _C),
    ("Chemistry", _C),
    ("French", _C),
    ("Physics", _C),
    ("Geography", _D),
    ("Biology", _D),
    ("Geology", _D),
    *[("History", _J)] * 2,
    *[("English", _P)] * 3,
    ("Spanish", _P),
    ("Drama", _P),
    *[("Art", _S)] * 2,
    *[("Physical education", _L)] * 3,
]
#: (subject, teacher, student group), in the source's order (lesson ids 0..99).
LESSONS = [
    *[
        (s, t, "9th grade")
        for s, t in [
            *[("Math", _T)] * 2,
            ("Physics", _C),
            ("Chemistry", _C),
            ("Biology", _D),
            ("History", _J),
            *[("English", _J)] * 2,
            *[("Spanish", _P)] * 2,
            *[("Math", _T)] * 3,
            ("ICT", _T),
            ("Physics", _C),
            ("Geography", _D),
            ("Geology", _D),
            ("History", _J),
            ("English", _J),
            ("Drama", _J),
            *[("Art", _S)] * 2,
            *[("Physical education", _L)] * 3,
        ]
    ],
    *[
        (s, t, "10th grade")
        for s, t in [
            *[("Math", _T)] * 3,
            ("Physics", _C),
            ("Chemistry", _C),
            ("French", _C),
            ("Geography", _D),
            ("History", _J),
            ("English", _P),
            ("Spanish", _P),
            *[("Math", _T)] * 2,
            ("ICT", _T),
            ("Physics", _C),
            ("Biology", _D),
            ("Geology", _D),
            ("History", _J),
            *[("English", _P)] * 2,
            ("Drama", _J),
            *[("Art", _S)] * 2,
            *[("Physical education", _L)] * 3,
        ]
    ],
    *[(s, t, "11th grade") for s, t in _SENIOR],
    *[(s, t, "12th grade") for s, t in _SENIOR],
]


def instance_dict(time_limit_s: float = 30.0, workers: int = 2) -> dict:
    """The data set as our INSTANCE JSON (see the module docstring for the mapping)."""
    return {
        "building_capacity": 1000,
        "timeslots": [
            {"id": str(i), "day": d, "start": s, "end": e} for i, (d, s, e) in enumerate(TIMESLOTS)
        ],
        "rooms": [{"id": r, "kind": "classroom", "capacity": 1} for r in ROOMS],
        "trainers": [{"id": t} for t in TEACHERS],
        "cohorts": [{"id": g, "size": 1} for g in GROUPS],
        "lessons": [
            {"id": str(i), "cohort": g, "trainer": t, "room_kind": "classroom"}
            for i, (_subject, t, g) in enumerate(LESSONS)
        ],
        "time_limit_s": time_limit_s,
        "workers": workers,
    }
