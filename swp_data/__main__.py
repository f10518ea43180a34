from swp_data.cli import main

raise SystemExit(main())
