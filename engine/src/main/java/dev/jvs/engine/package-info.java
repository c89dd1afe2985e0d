/** jvs engine module (see DESIGN.md); filled by its own issue. */
package dev.jvs.engine;
