from harde.cli import app

app(prog_name="harde")
