    output = subprocess.check_output(f"wc -l {path}", shell=True, text=True)
    return int(output.split()[0])
