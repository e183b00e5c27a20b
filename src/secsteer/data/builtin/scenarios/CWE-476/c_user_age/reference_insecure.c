    return find_user(name)->age;
