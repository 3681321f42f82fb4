"""The planner's steps, each a function with explicit inputs and outputs (and
the problems it found), run in this order by :class:`otelgen.plan.Planner`:

1. presets  (:mod:`.prepare`): ``apply_presets`` expands spec.presets;
2. sizing   (:mod:`.prepare`): ``size`` resolves requests/limits (E018);
   ``complete`` adds the planner's own inserts (:mod:`.inserts`: memory guard,
   batcher, health endpoint, leader elector);
3. components (:mod:`.components`): ``parse`` types every component instance
   (E004, E016, E017, E030, W102, W104) and adds spec.declarations;
4. checks   (:mod:`.checks`): ``check_pipelines`` (otelgen.pipelinegraph:
   E010-E013), ``used`` (W101), ``check_extension_refs`` (E010);
5. needs    (:mod:`.needs`): ``collect`` gathers ports, RBAC, env, volumes and
   egress (E014, E031, E057, E061, W103, W120, W121); ``check_exposure`` (W122).
"""
