"""The party workflow under the type name municipalities were started with.

Municipalities started before other kinds of party existed run as
`MunicipalityWorkflow`, and their recorded histories name that type; a
municipality started now runs under it too, so a region's municipalities are
one type in Temporal's lists. It is the party workflow itself (party.py),
registered under a second name: nothing here may differ from it.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboarding.domain.parties.models import MunicipalityWorkflowInput
    from workflows.party import PartyWorkflow


@workflow.defn(name="MunicipalityWorkflow")
class MunicipalityWorkflow(PartyWorkflow):
    """PartyWorkflow, as the type name municipalities' workflows carry."""

    # The SDK wants the run method on the registered class itself.
    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        await super().run(input)
