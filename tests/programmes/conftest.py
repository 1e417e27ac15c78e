"""The programme tests use the shared fixtures of tests/conftest.py (`rule`, `programme`,
`cohorts`, `campaign`, `cohort`) and the helpers of tests/factories.py (`make_cohort`,
`applicant`, `TODAY`)."""
