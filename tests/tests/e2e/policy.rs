//! The authbind 2.1 policy: byport, byaddr (both IPv4 spellings, IPv6
//! compressed and uncompressed), byuid (every line form), `!` for ports
//! 512–1023, TCP and UDP. Refusals must be EACCES (13) whatever rule refused.

use authbind_e2e::{ready, Policy, Sandbox, OTHER, USER};

#[test]
#[ignore = "needs root: make e2e"]
fn byport_grants_its_port_to_its_user_only() {
    let install = ready("byport_grants_its_port_to_its_user_only");
    let out = Sandbox::new(&install, "byport")
        .policy(Policy::new().byport("80", USER))
        .run(
            r#"
r v4      as_user $U $AB $BT 4 127.0.0.1 80 tcp
r v4_any  as_user $U $AB $BT 4 0.0.0.0 80 tcp
r v6      as_user $U $AB $BT 6 ::1 80 tcp
r v6_any  as_user $U $AB $BT 6 :: 80 tcp
r udp4    as_user $U $AB $BT 4 127.0.0.1 80 udp
r udp6    as_user $U $AB $BT 6 ::1 80 udp
r port81  as_user $U $AB $BT 4 127.0.0.1 81 tcp
r other   as_user $O $AB $BT 4 127.0.0.1 80 tcp
r no_shim as_user $U $BT 4 127.0.0.1 80 tcp
"#,
        );
    out.expect(&[
        ("v4", "ok"),
        ("v4_any", "ok"),
        ("v6", "ok"),
        ("v6_any", "ok"),
        ("udp4", "ok"),
        ("udp6", "ok"),
        ("port81", "errno=13"),
        ("other", "errno=13"),
        ("no_shim", "errno=13"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn unprivileged_ports_pass_through_untouched() {
    let install = ready("unprivileged_ports_pass_through_untouched");
    let out = Sandbox::new(&install, "passthrough").run(
        r#"
r high4  as_user $O $AB $BT 4 127.0.0.1 8080 tcp
r high6  as_user $O $AB $BT 6 ::1 1024 udp
r zero   as_user $O $AB $BT 4 127.0.0.1 0 tcp
r notmine as_user $O $AB $BT 4 192.0.2.1 8080 tcp
"#,
    );
    out.expect(&[
        ("high4", "ok"),
        ("high6", "ok"),
        ("zero", "ok"),
        // The kernel's own answer for an address the host does not have.
        ("notmine", "errno=99"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn byaddr_ipv4_colon_and_comma_ipv6_compressed_and_uncompressed() {
    let install = ready("byaddr_ipv4_colon_and_comma_ipv6_compressed_and_uncompressed");
    let policy = Policy::new()
        .byaddr("127.0.0.1:80", USER)
        .byaddr("10.1.2.3,81", USER)
        .byaddr("2001:db8::1,82", USER)
        .byaddr("2001:db8:0:0:0:0:0:2,83", USER)
        .byaddr("::1,84", USER)
        .byaddr("0.0.0.0:85", USER);
    let out = Sandbox::new(&install, "byaddr").policy(policy).nonlocal_bind().run(
        r#"
r colon          as_user $U $AB $BT 4 127.0.0.1 80 tcp
r colon_udp      as_user $U $AB $BT 4 127.0.0.1 80 udp
r colon_addr2    as_user $U $AB $BT 4 127.0.0.2 80 tcp
r colon_port79   as_user $U $AB $BT 4 127.0.0.1 79 tcp
r colon_other    as_user $O $AB $BT 4 127.0.0.1 80 tcp
r comma          as_user $U $AB $BT 4 10.1.2.3 81 tcp
r comma_udp      as_user $U $AB $BT 4 10.1.2.3 81 udp
r comma_addr4    as_user $U $AB $BT 4 10.1.2.4 81 tcp
r comma_lo       as_user $U $AB $BT 4 127.0.0.1 81 tcp
r v6             as_user $U $AB $BT 6 2001:db8::1 82 tcp
r v6_udp         as_user $U $AB $BT 6 2001:db8::1 82 udp
r v6_port83      as_user $U $AB $BT 6 2001:db8::1 83 tcp
r v6_addr3       as_user $U $AB $BT 6 2001:db8::3 82 tcp
r v6_other       as_user $O $AB $BT 6 2001:db8::1 82 tcp
r v6_full        as_user $U $AB $BT 6 2001:db8::2 83 tcp
r v6_full_spelled as_user $U $AB $BT 6 2001:0db8:0000:0000:0000:0000:0000:0002 83 tcp
r v6_lo          as_user $U $AB $BT 6 ::1 84 tcp
r v6_any84       as_user $U $AB $BT 6 :: 84 tcp
r any            as_user $U $AB $BT 4 0.0.0.0 85 tcp
r any_lo         as_user $U $AB $BT 4 127.0.0.1 85 tcp
"#,
    );
    out.expect(&[
        ("colon", "ok"),
        ("colon_udp", "ok"),
        ("colon_addr2", "errno=13"),
        ("colon_port79", "errno=13"),
        ("colon_other", "errno=13"),
        ("comma", "ok"),
        ("comma_udp", "ok"),
        ("comma_addr4", "errno=13"),
        ("comma_lo", "errno=13"),
        ("v6", "ok"),
        ("v6_udp", "ok"),
        ("v6_port83", "errno=13"),
        ("v6_addr3", "errno=13"),
        ("v6_other", "errno=13"),
        ("v6_full", "ok"),
        // The same address, however the program spells it.
        ("v6_full_spelled", "ok"),
        ("v6_lo", "ok"),
        ("v6_any84", "errno=13"),
        ("any", "ok"),
        ("any_lo", "errno=13"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn byuid_line_forms() {
    let install = ready("byuid_line_forms");
    let uid = USER.to_string();
    let policy = Policy::new().byuid(
        &uid,
        &[
            "127.0.0.1,80",
            "0.0.0.0/0,100-110",
            "::/0,120",
            "127.0.0.0/8:130,140",
            "10.0.0.1-10.0.0.9,150",
            "2001:db8::/32,160-161",
            "# not a rule, 170",
            "garbage",
        ],
    );
    let out = Sandbox::new(&install, "byuid").policy(policy).nonlocal_bind().run(
        r#"
# ADDR,PORT
r one            as_user $U $AB $BT 4 127.0.0.1 80 tcp
r one_udp        as_user $U $AB $BT 4 127.0.0.1 80 udp
r one_addr2      as_user $U $AB $BT 4 127.0.0.2 80 tcp
r one_port79     as_user $U $AB $BT 4 127.0.0.1 79 tcp
r one_v6         as_user $U $AB $BT 6 ::1 80 tcp
r one_other      as_user $O $AB $BT 4 127.0.0.1 80 tcp
# ADDR/LEN,PMIN-PMAX
r all_105        as_user $U $AB $BT 4 10.9.8.7 105 tcp
r all_100        as_user $U $AB $BT 4 127.0.0.1 100 tcp
r all_110        as_user $U $AB $BT 4 0.0.0.0 110 udp
r all_99         as_user $U $AB $BT 4 127.0.0.1 99 tcp
r all_111        as_user $U $AB $BT 4 127.0.0.1 111 tcp
r all_v6         as_user $U $AB $BT 6 ::1 105 tcp
# ::/LEN,PORT
r v6_lo          as_user $U $AB $BT 6 ::1 120 tcp
r v6_doc         as_user $U $AB $BT 6 2001:db8::9 120 udp
r v6_any         as_user $U $AB $BT 6 :: 120 tcp
r v6_121         as_user $U $AB $BT 6 ::1 121 tcp
r v6_v4          as_user $U $AB $BT 4 127.0.0.1 120 tcp
# ADDR/LEN:PMIN,PMAX (old form)
r old_135        as_user $U $AB $BT 4 127.5.5.5 135 tcp
r old_130        as_user $U $AB $BT 4 127.0.0.1 130 tcp
r old_140        as_user $U $AB $BT 4 127.0.0.1 140 udp
r old_141        as_user $U $AB $BT 4 127.0.0.1 141 tcp
r old_other_net  as_user $U $AB $BT 4 10.0.0.1 135 tcp
# ADDR-ADDR,PORT
r range_lo       as_user $U $AB $BT 4 10.0.0.1 150 tcp
r range_mid      as_user $U $AB $BT 4 10.0.0.5 150 tcp
r range_hi       as_user $U $AB $BT 4 10.0.0.9 150 tcp
r range_out      as_user $U $AB $BT 4 10.0.0.10 150 tcp
# IPv6 prefix, port range
r v6pfx_161      as_user $U $AB $BT 6 2001:db8:ffff::1 161 tcp
r v6pfx_out      as_user $U $AB $BT 6 2001:db9::1 160 tcp
# lines that are no rule
r comment_170    as_user $U $AB $BT 4 127.0.0.1 170 tcp
"#,
    );
    out.expect(&[
        ("one", "ok"),
        ("one_udp", "ok"),
        ("one_addr2", "errno=13"),
        ("one_port79", "errno=13"),
        ("one_v6", "errno=13"),
        ("one_other", "errno=13"),
        ("all_105", "ok"),
        ("all_100", "ok"),
        ("all_110", "ok"),
        ("all_99", "errno=13"),
        ("all_111", "errno=13"),
        ("all_v6", "errno=13"),
        ("v6_lo", "ok"),
        ("v6_doc", "ok"),
        ("v6_any", "ok"),
        ("v6_121", "errno=13"),
        ("v6_v4", "errno=13"),
        ("old_135", "ok"),
        ("old_130", "ok"),
        ("old_140", "ok"),
        ("old_141", "errno=13"),
        ("old_other_net", "errno=13"),
        ("range_lo", "ok"),
        ("range_mid", "ok"),
        ("range_hi", "ok"),
        ("range_out", "errno=13"),
        ("v6pfx_161", "ok"),
        ("v6pfx_out", "errno=13"),
        ("comment_170", "errno=13"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn bang_names_ports_512_to_1023() {
    let install = ready("bang_names_ports_512_to_1023");
    let policy = Policy::new()
        .byport("!600", USER)
        .byport("601", USER)
        .byport("!80", USER)
        .byport("511", USER)
        .byport("!512", USER)
        .byport("!1022", USER)
        .byport("1023", USER)
        .byaddr("!127.0.0.1:602", USER)
        .byaddr("127.0.0.1:603", USER)
        .byaddr("!::1,606", USER)
        .byaddr("!127.0.0.1,607", USER)
        .byuid(&format!("!{USER}"), &["127.0.0.1,604", "127.0.0.1,91"])
        .byuid(&USER.to_string(), &["127.0.0.1,605", "127.0.0.1,90"]);
    let out = Sandbox::new(&install, "bang").policy(policy).run(
        r#"
r port_600      as_user $U $AB $BT 4 127.0.0.1 600 tcp
r port_600_udp  as_user $U $AB $BT 6 ::1 600 udp
r port_600_other as_user $O $AB $BT 4 127.0.0.1 600 tcp
r port_601      as_user $U $AB $BT 4 127.0.0.1 601 tcp
r port_80       as_user $U $AB $BT 4 127.0.0.1 80 tcp
r port_511      as_user $U $AB $BT 4 127.0.0.1 511 tcp
r port_512      as_user $U $AB $BT 4 127.0.0.1 512 tcp
r port_1022     as_user $U $AB $BT 4 127.0.0.1 1022 tcp
r port_1023     as_user $U $AB $BT 4 127.0.0.1 1023 tcp
r addr_602      as_user $U $AB $BT 4 127.0.0.1 602 tcp
r addr_603      as_user $U $AB $BT 4 127.0.0.1 603 tcp
r addr6_606     as_user $U $AB $BT 6 ::1 606 tcp
r addr_607      as_user $U $AB $BT 4 127.0.0.1 607 tcp
r uid_604       as_user $U $AB $BT 4 127.0.0.1 604 tcp
r uid_605       as_user $U $AB $BT 4 127.0.0.1 605 tcp
r uid_90        as_user $U $AB $BT 4 127.0.0.1 90 tcp
r uid_91        as_user $U $AB $BT 4 127.0.0.1 91 tcp
"#,
    );
    out.expect(&[
        ("port_600", "ok"),
        ("port_600_udp", "ok"),
        ("port_600_other", "errno=13"),
        ("port_601", "errno=13"),
        ("port_80", "errno=13"),
        ("port_511", "ok"),
        ("port_512", "ok"),
        ("port_1022", "ok"),
        ("port_1023", "errno=13"),
        ("addr_602", "ok"),
        ("addr_603", "errno=13"),
        ("addr6_606", "ok"),
        ("addr_607", "ok"),
        ("uid_604", "ok"),
        ("uid_605", "errno=13"),
        ("uid_90", "ok"),
        ("uid_91", "errno=13"),
    ]);
}

#[test]
#[ignore = "needs root: make e2e"]
fn second_user_byuid_file_is_separate() {
    let install = ready("second_user_byuid_file_is_separate");
    let policy = Policy::new()
        .byuid(&USER.to_string(), &["127.0.0.1,80"])
        .byuid(&OTHER.to_string(), &["127.0.0.1,81"]);
    let out = Sandbox::new(&install, "byuid-two-users").policy(policy).run(
        r#"
r u_80 as_user $U $AB $BT 4 127.0.0.1 80 tcp
r u_81 as_user $U $AB $BT 4 127.0.0.1 81 tcp
r o_80 as_user $O $AB $BT 4 127.0.0.1 80 tcp
r o_81 as_user $O $AB $BT 4 127.0.0.1 81 tcp
"#,
    );
    out.expect(&[
        ("u_80", "ok"),
        ("u_81", "errno=13"),
        ("o_80", "errno=13"),
        ("o_81", "ok"),
    ]);
}
