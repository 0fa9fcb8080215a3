from jbplein_kit.migrations import run_env
from tests.support.probe.models import Base

run_env(Base.metadata)
