"""The schema by domain: students, courses, teachers, users and follows, articles, links."""
