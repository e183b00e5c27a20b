#include <stddef.h>

struct account {
    int id;
    long balance;
    struct account *next;
};

static struct account *find_account(struct account *head, int id)
{
    for (; head != NULL; head = head->next) {
        if (head->id == id)
            return head;
    }
    return NULL;
}

int deposit(struct account *accounts, int id, long amount)
{
    struct account *acct = find_account(accounts, id);
    if (acct == NULL)
        return -1;
    acct->balance += amount;
    return 0;
}
