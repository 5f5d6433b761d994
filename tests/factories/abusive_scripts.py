"""User code that tries to hold a worker: a family of abuses of memory and time, each with
the ``n`` that makes it blow any sane budget."""

# Each abuse reads ``n`` from the task data, so publishing (which tries the code with the
# example data, where ``n`` is missing) lets it through and the run must stop it.
ABUSES = {
    "list_repetition": ("x = [0] * n", 10**8),
    "string_repetition": ("x = 'ab' * n", 10**9),
    "doubling_concatenation": ("x = 'a'\nfor i in range(n):\n    x += x", 60),
    "ljust": ("x = 'a'.ljust(n)", 10**9),
    "zfill_on_the_type": ("x = str.zfill('1', n)", 10**9),
    "format_width": ("x = f'{1:>{n}}'", 10**9),
    "format_precision": ("x = f'{1.5:.{n}f}'", 10**9),
    "percent_width": ("x = ('%0' + str(n) + 'd') % 1", 10**9),
    "join_over_a_huge_range": ("x = ','.join(str(i) for i in range(n))", 10**8),
    "join_of_one_big_string_many_times": ("s = 'a' * 10**6\nx = ''.join(s for i in range(n))", 1000),
    "sorted_range": ("x = sorted(range(n))", 10**8),
    "big_power_to_string": ("x = str(7 ** n)", 10**6),
    "repeated_squaring": ("x = 10\nfor i in range(n):\n    x = x * x", 40),
    "big_shift": ("x = str(1 << n)", 10**9),
    "nested_comprehensions": ("x = [[i * j for i in range(n)] for j in range(n)]", 10**4),
    "extend_doubling": ("x = [1]\nfor i in range(n):\n    x.extend(x)", 40),
    "replace_everywhere": ("x = ('a' * 1000).replace('a', 'b' * n)", 10**6),
    "deep_recursion_through_helpers": (
        "def down(k):\n    return 0 if k == 0 else 1 + down(k - 1)\nx = down(n)",
        10**6,
    ),
    "exponential_recursion": (
        "def both(k):\n    return 1 if k == 0 else both(k - 1) + both(k - 1)\nx = both(n)",
        40,
    ),
    "nested_lists_kept_as_data": ("x = [1]\nfor i in range(n):\n    x = [x, x]", 40),
    "caught_and_ignored": ("try:\n    x = 'a' * n\nexcept Exception:\n    pass\ny = 1", 10**9),
}
