-- One database per service: no service reads another's tables.
CREATE DATABASE intake OWNER jbplein;
CREATE DATABASE tafel OWNER jbplein;
CREATE DATABASE toewijzing OWNER jbplein;
CREATE DATABASE notificatie OWNER jbplein;
