import subprocess


def start_transcode(input_file, output_file, bitrate="128k"):
    cmd = "ffmpeg -y -i " + input_file + " -b:a " + bitrate + " " + output_file
    return subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
