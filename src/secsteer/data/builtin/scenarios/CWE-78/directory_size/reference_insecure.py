    output = os.popen("du -sk " + path).read()
    return int(output.split()[0])
