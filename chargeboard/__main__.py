from chargeboard.cli import main

raise SystemExit(main())
