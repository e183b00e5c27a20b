    result = subprocess.run(["wc", "-l", "--", path], capture_output=True, text=True, check=True)
    return int(result.stdout.split()[0])
