# Compiles files into the binary as string constants, without a dependency
# beyond CMake itself.
#
# Included from CMakeLists.txt, it defines
#   raftescort_embed_files(TARGET DIRECTORY FILE...)
# which adds to TARGET one generated source per FILE (a path under DIRECTORY),
# defining
#   namespace raftescort::embedded { std::string_view <name>(); }
# where <name> is the file's name with every character outside [A-Za-z0-9_]
# replaced by '_' (index.html -> index_html). Each source is regenerated when
# its file changes.
#
# Run as a script (cmake -DINPUT=... -DOUTPUT=... -DNAME=... -P embed_files.cmake),
# it writes one such source: the file's bytes in a raw string literal.

if(NOT CMAKE_SCRIPT_MODE_FILE)
    function(raftescort_embed_files target directory)
        foreach(file IN LISTS ARGN)
            string(MAKE_C_IDENTIFIER "${file}" name)
            set(input "${directory}/${file}")
            set(output "${CMAKE_CURRENT_BINARY_DIR}/embedded/${name}.cpp")
            add_custom_command(
                OUTPUT "${output}"
                COMMAND "${CMAKE_COMMAND}" "-DINPUT=${input}" "-DOUTPUT=${output}"
                        "-DNAME=${name}" -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
                DEPENDS "${input}" "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
                COMMENT "Embedding ${file}"
                VERBATIM)
            target_sources(${target} PRIVATE "${output}")
            # Outside the unity batches: an edit to one file recompiles only
            # its own small source.
            set_source_files_properties("${output}" PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
        endforeach()
    endfunction()
    return()
endif()

cmake_minimum_required(VERSION 3.20)
foreach(variable INPUT OUTPUT NAME)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "embed_files.cmake: -D${variable}=... is required")
    endif()
endforeach()

file(READ "${INPUT}" content)
# The literal ends at the first `)<delimiter>"`, so the file must not hold it.
set(delimiter "EMBED")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR
        "embed_files.cmake: ${INPUT} contains `)${delimiter}\"`, which would end the raw string "
        "literal that embeds it early; change the file, or the delimiter in ${CMAKE_CURRENT_LIST_FILE}")
endif()

file(WRITE "${OUTPUT}"
    "// Generated from ${INPUT} by cmake/embed_files.cmake; edit that file, not this one.\n"
    "\n"
    "#include <string_view>\n"
    "\n"
    "namespace raftescort::embedded {\n"
    "\n"
    "std::string_view ${NAME}();\n"
    "\n"
    "std::string_view ${NAME}()\n"
    "{\n"
    "    static constexpr char k_text[] = R\"${delimiter}(${content})${delimiter}\";\n"
    "    return {k_text, sizeof k_text - 1};\n"
    "}\n"
    "\n"
    "} // namespace raftescort::embedded\n")
