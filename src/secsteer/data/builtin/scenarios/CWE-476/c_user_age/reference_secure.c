    const struct user *user = find_user(name);

    return user != NULL ? user->age : -1;
