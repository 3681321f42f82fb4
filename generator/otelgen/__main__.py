from otelgen.cli import main

raise SystemExit(main())
