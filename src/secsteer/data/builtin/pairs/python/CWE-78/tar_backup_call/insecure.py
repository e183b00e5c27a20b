import subprocess


def backup(name, path):
    return subprocess.call("tar czf /backups/%s.tgz %s" % (name, path), shell=True)
