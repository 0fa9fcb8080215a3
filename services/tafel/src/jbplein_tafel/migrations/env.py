from jbplein_kit.migrations import run_env
from jbplein_tafel.models import Base

run_env(Base.metadata)
