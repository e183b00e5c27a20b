    size_t bytes = rows * cols * sizeof(uint32_t);
    uint32_t *matrix = malloc(bytes);

    if (matrix != NULL)
        memset(matrix, 0, bytes);
    return matrix;
