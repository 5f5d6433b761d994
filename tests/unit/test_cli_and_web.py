"""The `talentflow-scheduler` process never loads the web layer (docs/architecture.md). The
`talentflow` command line and the web app as an operator uses them:
tests/integration/command_line/test_cli_and_health_page.py."""


def test_the_scheduler_process_never_imports_the_web_layer():
    import subprocess
    import sys

    code = (
        "import sys, services.scheduler; "
        "print(sorted({name.split('.')[0] for name in sys.modules} "
        "& {'flask', 'flask_babel', 'flask_login', 'web'}))"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
