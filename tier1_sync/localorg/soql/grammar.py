"""The SOQL grammar the local org accepts, for lark's LALR parser with the contextual lexer.

Kept as a Python string so it ships inside the package without package-data.
The grammar is a little wider than what is supported: function calls, field aliases and
semi-joins parse, so the builder can reject them by name ("... is not supported by the
local org") instead of failing on the token after them.
Keywords are case-insensitive regexes ending in `\\b`, at a priority above NAME, so `FROM`
is a keyword but `Fromage__c` is a field.
"""

GRAMMAR = r"""
query: SELECT select_list _FROM NAME [where] [group_by] [order_by] [limit] [offset]

select_list: select_item ("," select_item)*
?select_item: field_path [NAME]    -> field_item
            | call [NAME]          -> call_item
            | "(" query ")"        -> subquery

field_path: NAME ("." NAME)*
call: NAME "(" [call_arg ("," call_arg)*] ")"
?call_arg: field_path | call | STRING | NUMBER

where: _WHERE or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: _NOT not_expr           -> negation
         | "(" or_expr ")"
         | condition
condition: lhs COMPARE value       -> compare
         | lhs _LIKE value         -> like
         | lhs _IN in_list         -> in_
         | lhs _NOT _IN in_list    -> not_in
         | lhs _INCLUDES in_list   -> includes
         | lhs _EXCLUDES in_list   -> excludes
?lhs: field_path | call
in_list: "(" value ("," value)* ")"
       | "(" query ")"             -> semi_join
?value: STRING | NUMBER | TEMPORAL | NAME | NAME_N | BIND

group_by: _GROUP _BY lhs ("," lhs)*
order_by: _ORDER _BY order_item ("," order_item)*
order_item: lhs [DIRECTION] [_NULLS NULLS_POSITION]
limit: _LIMIT (NUMBER | BIND)
offset: _OFFSET (NUMBER | BIND)

SELECT.2: /select\b/i
_FROM.2: /from\b/i
_WHERE.2: /where\b/i
_AND.2: /and\b/i
_OR.2: /or\b/i
_NOT.2: /not\b/i
_LIKE.2: /like\b/i
_IN.2: /in\b/i
_INCLUDES.2: /includes\b/i
_EXCLUDES.2: /excludes\b/i
_GROUP.2: /group\b/i
_ORDER.2: /order\b/i
_BY.2: /by\b/i
_LIMIT.2: /limit\b/i
_OFFSET.2: /offset\b/i
_NULLS.2: /nulls\b/i
DIRECTION.2: /(asc|desc)\b/i
NULLS_POSITION.2: /(first|last)\b/i

NAME: /[A-Za-z_][A-Za-z0-9_]*/
NAME_N.3: /[A-Za-z_][A-Za-z0-9_]*:[0-9]+/
BIND.3: /:[A-Za-z_][A-Za-z0-9_]*/
STRING: /'(?:[^'\\]|\\.)*'/s
TEMPORAL.3: /[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9:.]*(?:Z|[+-][0-9:]*)?)?/
NUMBER: /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/
COMPARE: /<=|>=|!=|<>|=|<|>/

%ignore /\s+/
"""
