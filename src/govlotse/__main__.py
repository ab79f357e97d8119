from govlotse.cli import main

main()
