from sitmon.cli import main

raise SystemExit(main())
