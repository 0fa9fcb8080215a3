from jbplein_intake.models import Base
from jbplein_kit.migrations import run_env

run_env(Base.metadata)
