    result = subprocess.run(["grep", "-e", pattern, "--", log_path], capture_output=True, text=True)
    if result.returncode > 1:
        raise RuntimeError(result.stderr.strip())
    return result.stdout.splitlines()
