from bakegen.cli import main

raise SystemExit(main())
