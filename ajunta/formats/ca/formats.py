# Django's Catalan formats, with hours on two digits so that times line up in tables (09:05).
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"j E \d\e Y \a \l\e\s H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
