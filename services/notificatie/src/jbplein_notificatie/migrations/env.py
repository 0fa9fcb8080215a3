from jbplein_kit.migrations import run_env
from jbplein_notificatie.models import Base

run_env(Base.metadata)
