    import subprocess

    output = subprocess.run(["du", "-sk", "--", path], capture_output=True, text=True, check=True).stdout
    return int(output.split()[0])
