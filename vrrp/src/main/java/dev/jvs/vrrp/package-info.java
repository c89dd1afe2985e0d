/** jvs vrrp module (see DESIGN.md); filled by its own issue. */
package dev.jvs.vrrp;
