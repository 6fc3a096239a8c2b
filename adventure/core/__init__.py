"""The pure core: expressions, the compiler, the story model, the engine, checks and the explorer.

Nothing here touches a file, the terminal, the environment or process-wide state.
"""
