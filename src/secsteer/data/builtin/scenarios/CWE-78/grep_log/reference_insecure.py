    result = subprocess.run(f'grep "{pattern}" {log_path}', shell=True, capture_output=True, text=True)
    return result.stdout.splitlines()
