from jfsconsole.cli import main

raise SystemExit(main())
