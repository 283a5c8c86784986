file(READ ${IN} content)
file(WRITE ${OUT} "#include <string>\nnamespace hayloft::config {\nconst char* kDefaultsJson = R\"hayloftjson(${content})hayloftjson\";\n}\n")
