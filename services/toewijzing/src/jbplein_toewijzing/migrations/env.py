from jbplein_kit.migrations import run_env
from jbplein_toewijzing.models import Base

run_env(Base.metadata)
