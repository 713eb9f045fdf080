"""Table-driven title cases: real names from the NAS listing, covering every naming family."""
# Display titles join their parts with an en dash, and real names contain one, on purpose:
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

import pytest

from control.blocks.title_generator.parser import generate_title

ARCHIVE = "GGPNAs/ARCHIVE"
PRE_2016 = f"{ARCHIVE}/WSOP/WSOP ARCHIVE (PRE-2016)"
LAS_VEGAS = f"{ARCHIVE}/WSOP/WSOP Bracelet Event/WSOP-LAS VEGAS"
ME25 = f"{LAS_VEGAS}/2025 WSOP-LAS VEGAS/WSOP 2025 MAIN EVENT"
SIDE25 = f"{LAS_VEGAS}/2025 WSOP-LAS VEGAS/WSOP 2025 BRACELET SIDE  EVENT"
EUROPE = f"{ARCHIVE}/WSOP/WSOP Bracelet Event/WSOP-EUROPE"
PARADISE = f"{ARCHIVE}/WSOP/WSOP Bracelet Event/WSOP-PARADISE"
CIRCUIT = f"{ARCHIVE}/WSOP/WSOP Circuit Event"
NO_COMMENTARY = "NO COMMENTARY WITH GRAPHICS VER"

# (folder, file name, expected display title, expected metadata subset);
# buy_in is written as (amount, currency).
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        f"{ME25}/WSOP 2025 Main Event _ Day 2/WSOP 2025 Main Event _ Day 2ABC",
        "WSOP 2025 Main Event _ Day 2A_B_C (Part 2).mp4",
        "WSOP 2025 Main Event – Day 2A/B/C (Part 2)",
        {"series": "WSOP", "year": 2025, "day": "2A/B/C", "part": 2, "content_type": "stream"},
    ),
    (
        f"{ME25}/WSOP 2025 Main Event _ Day 1/WSOP 2025 Main Event _ Day 1A",
        "WSOP 2025 Main Event _ Day 1A.mp4",
        "WSOP 2025 Main Event – Day 1A",
        {"series": "WSOP", "year": 2025, "day": "1A", "content_type": "stream"},
    ),
    (
        f"{ME25}/WSOP 2025 Main Event _ Final Table/WSOP 2025 Main Event _ Final Table Day 1",
        "WSOP 2025 Main Event _ Final Table _ Day 1.mp4",
        "WSOP 2025 Main Event – Final Table Day 1",
        {
            "series": "WSOP",
            "year": 2025,
            "day": "1",
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{ME25}/WSOP 2025 Main Event _ Day 1/WSOP 2025 Main Event _ Day 1B",
        "WSOP 2025 Main Event Day 1B & $100K PLO Final Table.mp4",
        "WSOP 2025 Main Event – Day 1B – $100K PLO Final Table",
        {"series": "WSOP", "year": 2025, "day": "1B", "content_type": "stream"},
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        "2021 WSOP Event #67 - $10,000 No Limit Hold'em Main Event Day 5 Part1.mp4",
        "WSOP 2021 Event #67 $10K No-Limit Hold'em Main Event – Day 5 (Part 1)",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 67,
            "buy_in": (10000, "USD"),
            "day": "5",
            "part": 1,
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        "2021 WSOP Event #67 - $10,000 No Limit Hold'em Main Event Day 2ABD.mp4",
        "WSOP 2021 Event #67 $10K No-Limit Hold'em Main Event – Day 2A/B/D",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 67,
            "buy_in": (10000, "USD"),
            "day": "2A/B/D",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        "2021 WSOP Event #67 - $10,000 No Limit Hold'em Main Event Final Table Day 8.mp4",
        "WSOP 2021 Event #67 $10K No-Limit Hold'em Main Event – Final Table Day 8",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 67,
            "buy_in": (10000, "USD"),
            "day": "8",
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        (
            "2021 WSOP Event #22 - $10,000$1,000 Ladies No-Limit Hold'em Championship Final "
            "Table.mp4"
        ),
        "WSOP 2021 Event #22 $10K Ladies No-Limit Hold'em Championship – Final Table",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 22,
            "buy_in": (10000, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        "2021 WSOP Event #32 - $3,000 H.O.R.S.E. Final Table.mp4",
        "WSOP 2021 Event #32 $3K H.O.R.S.E. – Final Table",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 32,
            "buy_in": (3000, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2021 WSOP - LAS Vegas",
        ("2021 WSOP Event #79 - $1,979 Poker Hall of Fame Bounty No Limit Hold'em Final Table.mp4"),
        "WSOP 2021 Event #79 $1,979 Poker Hall of Fame Bounty No-Limit Hold'em – Final Table",
        {
            "series": "WSOP",
            "year": 2021,
            "event_number": 79,
            "buy_in": (1979, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2022 WSOP - LAS Vegas",
        "2022 WSOP Event #70 -$10,000 No-Limit Hold'em Main Event Day 7 Part2.mp4",
        "WSOP 2022 Event #70 $10K No-Limit Hold'em Main Event – Day 7 (Part 2)",
        {
            "series": "WSOP",
            "year": 2022,
            "event_number": 70,
            "buy_in": (10000, "USD"),
            "day": "7",
            "part": 2,
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2022 WSOP - LAS Vegas",
        "2022 WSOP Event #2 - $100K Bounty NLH Final Table.mp4",
        "WSOP 2022 Event #2 $100K Bounty NLH – Final Table",
        {
            "series": "WSOP",
            "year": 2022,
            "event_number": 2,
            "buy_in": (100000, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2022 WSOP - LAS Vegas",
        "2022 WSOP Event #6 - $25,000 Heads Up No-Limit Hold'em Championship.mp4",
        "WSOP 2022 Event #6 $25K Heads-Up No-Limit Hold'em Championship",
        {
            "series": "WSOP",
            "year": 2022,
            "event_number": 6,
            "buy_in": (25000, "USD"),
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2012",
        "WS12_Show_10_ME06_NB.mp4",
        "WSOP 2012 Main Event – Show 10",
        {"series": "WSOP", "year": 2012, "episode": 10, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2012",
        "WS12_Show_1_BIG_ONE_1_NB.mp4",
        "WSOP 2012 Big One for One Drop – Show 1 (Part 1)",
        {"series": "WSOP", "year": 2012, "part": 1, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2012",
        "WS12_Show_3_NAT_CHAMP_1_NB.mp4",
        "WSOP 2012 National Championship – Show 3 (Part 1)",
        {"series": "WSOP", "year": 2012, "part": 1, "episode": 3, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2012",
        "WSOP_2012_Show_27_FINAL_4CH.mxf",
        "WSOP 2012 – Show 27",
        {"series": "WSOP", "year": 2012, "episode": 27, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2011",
        "WS11_ME01_NB.mp4",
        "WSOP 2011 Main Event – Episode 1",
        {"series": "WSOP", "year": 2011, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2011",
        "WS11_PPC01_NB.mp4",
        "WSOP 2011 Poker Players Championship – Episode 1",
        {"series": "WSOP", "year": 2011, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2011",
        "WS11_GM01_NB.mp4",
        "WSOP 2011 – Episode 1",
        {"series": "WSOP", "year": 2011, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2015/Main Event MOVs",
        "WSOP15_ME01_FINAL_4CH_v2.mov",
        "WSOP 2015 Main Event – Episode 1",
        {"series": "WSOP", "year": 2015, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2015/Main Event MOVs",
        "WSOP15_ME07_60-FINAL_4CH_v2_1.mov",
        "WSOP 2015 Main Event – Episode 7",
        {"series": "WSOP", "year": 2015, "episode": 7, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2013",
        "WSOP13_APAC_ME01_NB.mp4",
        "WSOP APAC 2013 Main Event – Episode 1",
        {"series": "WSOP APAC", "year": 2013, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2014",
        "WSOP14_BO01-FINAL_4ch.mp4",
        "WSOP 2014 Big One for One Drop – Episode 1",
        {"series": "WSOP", "year": 2014, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2014",
        "WSOP14_APAC_HIGH_ROLLER-SHOW 1.mp4",
        "WSOP APAC 2014 High Roller – Show 1",
        {"series": "WSOP APAC", "year": 2014, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2016/GCC MXFs",
        "WSOP16_GCC_P2_Final.mxf",
        "WSOP 2016 Global Casino Championship (Part 2)",
        {"series": "WSOP", "year": 2016, "part": 2, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2011",
        "WSOP_2011_31_ME25.mxf",
        "WSOP 2011 Main Event – Episode 25",
        {"series": "WSOP", "year": 2011, "episode": 25, "content_type": "full episode"},
    ),
    (
        f"{EUROPE}/2024 WSOP-Europe",
        "WE24-ME-01.mp4",
        "WSOP Europe 2024 Main Event – Episode 1",
        {"series": "WSOP Europe", "year": 2024, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{EUROPE}/2013 WSOP-Europe",
        "WSE13-ME01_EuroSprt_NB_TEXT.mp4",
        "WSOP Europe 2013 Main Event – Episode 1",
        {"series": "WSOP Europe", "year": 2013, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{EUROPE}/2008 WSOP-Europe",
        "WSOPE08_Episode_1_H264.mov",
        "WSOP Europe 2008 – Episode 1",
        {"series": "WSOP Europe", "year": 2008, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{CIRCUIT}/WSOP-Circuit/2024 WSOP Circuit LA/2024 WSOP-C LA SUBCLIP",
        "WCLA24-15.mp4",
        "WSOP Circuit Los Angeles 2024 – Clip 15",
        {"series": "WSOP Circuit", "year": 2024, "episode": 15, "content_type": "clip"},
    ),
    (
        "GGPNAs/Player Emotion  & ETC",
        "WCLA24-PE-03.mp4",
        "WSOP Circuit Los Angeles 2024 – Player Emotion 3",
        {"series": "WSOP Circuit", "year": 2024, "episode": 3, "content_type": "player emotion"},
    ),
    (
        f"{PARADISE}/2023 WSOP-PARADISE/SUBCLIP",
        "WP23-03.mp4",
        "WSOP Paradise 2023 – Clip 3",
        {"series": "WSOP Paradise", "year": 2023, "episode": 3, "content_type": "clip"},
    ),
    (
        "GGPNAs/Player Emotion  & ETC",
        "WPLA24-PE-02.mp4",
        "WSOP 2024 – Player Emotion 2",
        {"series": "WSOP", "year": 2024, "episode": 2, "content_type": "player emotion"},
    ),
    (
        f"{PARADISE}/2024 WSOP-PARADISE SUPER MAIN EVENT/Hand Clip/Final Day",
        "1219_Hand_12_Lehmann(9th) Ac9s vs Addamo AsJh_Clean.mp4",
        (
            "WSOP Paradise 2024 Super Main Event – Final Day – Hand 12: Lehmann (9th) Ac9s vs "
            "Addamo AsJh"
        ),
        {
            "series": "WSOP Paradise",
            "year": 2024,
            "day": "Final",
            "stage": "final day",
            "content_type": "hand clip",
        },
    ),
    (
        f"{PARADISE}/2024 WSOP-PARADISE SUPER MAIN EVENT/Hand Clip/Day 1B",
        "1213_Hand_38_BETIL AhQd vs Parker A8c_PGM.mp4",
        "WSOP Paradise 2024 Super Main Event – Day 1B – Hand 38: Betil AhQd vs Parker A8c",
        {"series": "WSOP Paradise", "year": 2024, "day": "1B", "content_type": "hand clip"},
    ),
    (
        f"{ARCHIVE}/PAD/PAD S12",
        "pad-s12-ep14-014.mp4",
        "Poker After Dark – Season 12, Episode 14",
        {"series": "PAD", "episode": 14, "season": 12, "content_type": "full episode"},
    ),
    (
        f"{ARCHIVE}/PAD/PAD S13",
        "PAD_S13_EP22_BestOf_FinalLook_HiRes-017.mp4",
        "Poker After Dark – Season 13, Episode 22",
        {"series": "PAD", "episode": 22, "season": 13, "content_type": "full episode"},
    ),
    (
        f"{ARCHIVE}/GOG 최종/e02",
        "E02_GOG_final_edit_20231113_최종.mp4",
        "Game of Gold 2023 – Episode 2",
        {"series": "GOG", "year": 2023, "episode": 2, "content_type": "full episode"},
    ),
    (
        f"{ARCHIVE}/GOG 최종/e01",
        "E01_GOG_final_edit_231106.mp4",
        "Game of Gold 2023 – Episode 1",
        {"series": "GOG", "year": 2023, "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{ARCHIVE}/GOG 최종/e01",
        "E01_GOG_final_edit_클린본.mp4",
        "Game of Gold – Episode 1",
        {"series": "GOG", "episode": 1, "content_type": "full episode"},
    ),
    (
        f"{ARCHIVE}/MPP/2025 MPP Cyprus/$1M GTD   $1K PokerOK Mystery Bounty",
        "$1M GTD   $1K PokerOK Mystery Bounty – Day 1A.mp4",
        "MPP Cyprus 2025 $1K PokerOK Mystery Bounty – Day 1A",
        {
            "series": "MPP",
            "year": 2025,
            "buy_in": (1000, "USD"),
            "day": "1A",
            "content_type": "stream",
        },
    ),
    (
        f"{ARCHIVE}/MPP/2025 MPP Cyprus/$5M GTD   $5K MPP Main Event",
        "$5M GTD   $5K MPP Main Event – Day 3 Session 1.mp4",
        "MPP Cyprus 2025 $5K Main Event – Day 3 (Session 1)",
        {
            "series": "MPP",
            "year": 2025,
            "buy_in": (5000, "USD"),
            "day": "3",
            "part": 1,
            "content_type": "stream",
        },
    ),
    (
        f"{ARCHIVE}/MPP/2025 MPP Cyprus/$2M GTD   $2K Luxon Pay Grand Final",
        "$2M GTD   $2K Luxon Pay Grand Final – Final Table.mp4",
        "MPP Cyprus 2025 $2K Luxon Pay Grand Final – Final Table",
        {
            "series": "MPP",
            "year": 2025,
            "buy_in": (2000, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{CIRCUIT}/WSOP Super Ciruit/2025 WSOP Super Circuit Cyprus",
        "$5M GTD   WSOP Super Circuit Cyprus Main Event - Day 1A-006.mp4",
        "WSOP Super Circuit Cyprus 2025 Main Event – Day 1A",
        {"series": "WSOP Super Circuit", "year": 2025, "day": "1A", "content_type": "stream"},
    ),
    (
        f"{CIRCUIT}/WSOP Super Ciruit/2023 WSOP International Super Circuit - London",
        "2023 WSOP International Super Circuit - London Main Event Day 4 (Final Table).mp4",
        "WSOP Super Circuit London 2023 Main Event – Final Table Day 4",
        {
            "series": "WSOP Super Circuit",
            "year": 2023,
            "day": "4",
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{CIRCUIT}/WSOP-Circuit/2024 WSOP Circuit LA/2024 WSOP-C LA STREAM",
        "2024 WSOP Circuit Los Angeles - Tournament of Champions, $1M GTD [Day 2].mp4",
        "WSOP Circuit Los Angeles 2024 Tournament of Champions – Day 2",
        {"series": "WSOP Circuit", "year": 2024, "day": "2", "content_type": "stream"},
    ),
    (
        f"{CIRCUIT}/WSOP-Circuit/2024 WSOP Circuit LA/2024 WSOP-C LA STREAM",
        "2024 WSOP Circuit Los Angeles - Main Event [Day 1A].mp4",
        "WSOP Circuit Los Angeles 2024 Main Event – Day 1A",
        {"series": "WSOP Circuit", "year": 2024, "day": "1A", "content_type": "stream"},
    ),
    (
        f"{EUROPE}/2025 WSOP-Europe/2025 WSOP-EUROPE #14 MAIN EVENT/STREAM",
        "🏆€10,350 WSOPE MAIN EVENT NLH European Championship - Day 2 [BRACELET EVENT #14] 👑.mp4",
        "WSOP Europe 2025 Event #14 €10,350 Main Event NLH European Championship – Day 2",
        {
            "series": "WSOP Europe",
            "year": 2025,
            "event_number": 14,
            "buy_in": (10350, "EUR"),
            "day": "2",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2025 WSOP-Europe/2025 WSOP-EUROPE #14 MAIN EVENT/STREAM",
        (
            "🥇€1,140,000 for 1st🏆€10,350 WSOPE MAIN EVENT NLH European Championship - Final "
            "Table 👑🎙️Luka Bojovic.mp4"
        ),
        (
            "WSOP Europe 2025 Event #14 €10,350 Main Event NLH European Championship – Final "
            "Table – Luka Bojovic"
        ),
        {
            "series": "WSOP Europe",
            "year": 2025,
            "event_number": 14,
            "buy_in": (10350, "EUR"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2025 WSOP-Europe/2025 WSOP-EUROPE #10 10K PLO MY.BO FINAL",
        (
            "🏆 WSOPE 10K PLO Mystery Bounty Final Day [BRACELET #10] (2500€ Bounty) live from "
            "King's #wsop #poker.mp4"
        ),
        "WSOP Europe 2025 Event #10 €10K PLO Mystery Bounty – Final Day",
        {
            "series": "WSOP Europe",
            "year": 2025,
            "event_number": 10,
            "buy_in": (10000, "EUR"),
            "day": "Final",
            "stage": "final day",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2025 WSOP-Europe/2025 WSOP-EUROPE #10 10K PLO MY.BO FINAL/{NO_COMMENTARY}",
        "1_2025 WSOPE #10 €10,000 Pot-Limit Omaha Mystery Bounty Final Day Part 1_NC.mp4",
        "WSOP Europe 2025 Event #10 €10K Pot-Limit Omaha Mystery Bounty – Final Day (Part 1)",
        {
            "series": "WSOP Europe",
            "year": 2025,
            "event_number": 10,
            "buy_in": (10000, "EUR"),
            "day": "Final",
            "part": 1,
            "stage": "final day",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2024 WSOP-Europe",
        "#WSOPE 2024 NLH MAIN EVENT   DAY 1B   BRACELET EVENT #13.mp4",
        "WSOP Europe 2024 Event #13 NLH Main Event – Day 1B",
        {
            "series": "WSOP Europe",
            "year": 2024,
            "event_number": 13,
            "day": "1B",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2024 WSOP-Europe",
        "1003_WSOPE_2024_50K DIAMOND HIGH ROLLER_DAY1_BRACELET EVENT.mp4",
        "WSOP Europe 2024 €50K Diamond High Roller – Day 1",
        {
            "series": "WSOP Europe",
            "year": 2024,
            "buy_in": (50000, "EUR"),
            "day": "1",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2021 WSOP-Europe",
        "wsope-2021-1650-nlh6max-ft-010.mp4",
        "WSOP Europe 2021 €1,650 NLH 6-Max – Final Table",
        {
            "series": "WSOP Europe",
            "year": 2021,
            "buy_in": (1650, "EUR"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2021 WSOP-Europe",
        "wsope-2021-10k-me-ft-004.mp4",
        "WSOP Europe 2021 €10K Main Event – Final Table",
        {
            "series": "WSOP Europe",
            "year": 2021,
            "buy_in": (10000, "EUR"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{EUROPE}/2025 WSOP-Europe/2025 WSOP-EUROPE #14 MAIN EVENT/{NO_COMMENTARY}/Day 1 A",
        "HyperDeck_0010-004.mp4",
        "WSOP Europe 2025 Event #14 Main Event – Day 1A – Recording 10",
        {
            "series": "WSOP Europe",
            "year": 2025,
            "event_number": 14,
            "day": "1A",
            "content_type": "stream",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events  Event #46 $250K Super High Roller  Final Table",
        "WSOP 2025 Bracelet Events _ Event #46 $250K Super High Roller.mp4",
        "WSOP 2025 Event #46 $250K Super High Roller – Final Table",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 46,
            "buy_in": (250000, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events _ Event #66 $50K Poker Players Championship",
        (
            "WSOP 2025 Bracelet Events _ Event #66 $50K Poker Players Championship _ Day 4 "
            "(Part 1).mp4"
        ),
        "WSOP 2025 Event #66 $50K Poker Players Championship – Day 4 (Part 1)",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 66,
            "buy_in": (50000, "USD"),
            "day": "4",
            "part": 1,
            "content_type": "stream",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events  Event #13 $1.5K No-Limit Hold'em 6-Max",
        "(PokerGO) WSOP 2025 Bracelet Events _ Event #13 $1.5K No-Limit Hold'em 6-Max.mp4",
        "WSOP 2025 Event #13 $1.5K No-Limit Hold'em 6-Max",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 13,
            "buy_in": (1500, "USD"),
            "content_type": "full episode",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events _ Event #37 $1.5K MONSTER STACK",
        "WSOP 2025 Bracelet Events _ Event #37 $1.5K MONSTER STACK.mp4",
        "WSOP 2025 Event #37 $1.5K Monster Stack",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 37,
            "buy_in": (1500, "USD"),
            "content_type": "full episode",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events _ Event #3 $5K No-Limit Hold'em",
        "250602_WSOP 2025 Bracelet Events _ Event #3 $5K No-Limit Hold'em.mp4",
        "WSOP 2025 Event #3 $5K No-Limit Hold'em",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 3,
            "buy_in": (5000, "USD"),
            "content_type": "full episode",
        },
    ),
    (
        f"{SIDE25}/WSOP 2025 Bracelet Events  Event #7 $25K Heads-Up Championship Final",
        "WSOP 2025 Bracelet Events  Event #7 $25K Heads-Up Championship  Final Four.mp4",
        "WSOP 2025 Event #7 $25K Heads-Up Championship – Final Four",
        {
            "series": "WSOP",
            "year": 2025,
            "event_number": 7,
            "buy_in": (25000, "USD"),
            "stage": "final four",
            "content_type": "stream",
        },
    ),
    (
        f"{LAS_VEGAS}/2024 WSOP-LAS VEGAS (PokerGo Clip)/Clean",
        (
            "1-wsop-2024-be-ev-01-5k-champions-reunion-ft-Conniff-hero-calls-with-A-high-chip-lead-clean.mp4"
        ),
        (
            "WSOP 2024 Event #1 $5K Champions Reunion – Final Table – Conniff Hero Calls with "
            "A High Chip Lead"
        ),
        {
            "series": "WSOP",
            "year": 2024,
            "event_number": 1,
            "buy_in": (5000, "USD"),
            "stage": "final table",
            "content_type": "hand clip",
        },
    ),
    (
        f"{LAS_VEGAS}/2024 WSOP-LAS VEGAS (PokerGo Clip)/Clean",
        "42-wsop-2024-me-day1a-hs-Yerushlami-FH-ov-Rehmani-FH-cooler-CLEAN.mp4",
        "WSOP 2024 Main Event – Day 1A – Yerushlami full house over Rehmani full house Cooler",
        {"series": "WSOP", "year": 2024, "day": "1A", "content_type": "hand clip"},
    ),
    (
        f"{LAS_VEGAS}/2024 WSOP-LAS VEGAS (PokerGo Clip)/Mastered",
        "61-wsop-2024-me-ft-day2-Tamayo-wins.mp4",
        "WSOP 2024 Main Event – Final Table Day 2 – Tamayo Wins",
        {
            "series": "WSOP",
            "year": 2024,
            "day": "2",
            "stage": "final table",
            "content_type": "hand clip",
        },
    ),
    (
        f"{LAS_VEGAS}/2024 WSOP-LAS VEGAS (PokerGo Clip)/Mastered",
        "17-wsop-2024-be-ev-29-10k-27td-ft-ivey-wins-outro.mp4",
        "WSOP 2024 Event #29 $10K 2-7 Triple Draw – Final Table – Ivey Wins",
        {
            "series": "WSOP",
            "year": 2024,
            "event_number": 29,
            "buy_in": (10000, "USD"),
            "stage": "final table",
            "content_type": "hand clip",
        },
    ),
    (
        f"{PARADISE}/2023 WSOP-PARADISE/STREAM",
        "WSOP Paradise Main Event (Day 1A) - Sergio Aguero & Ryan Riess [$15M Prize].mp4",
        "WSOP Paradise 2023 Main Event – Day 1A – Sergio Aguero & Ryan Riess",
        {"series": "WSOP Paradise", "year": 2023, "day": "1A", "content_type": "stream"},
    ),
    (
        f"{PARADISE}/2023 WSOP-PARADISE/STREAM",
        "WSOP Paradise $1,500 Mystery Millions (Final Table) - Maria Ho & Davidi Kitai.mp4",
        "WSOP Paradise 2023 $1.5K Mystery Millions – Final Table – Maria Ho & Davidi Kitai",
        {
            "series": "WSOP Paradise",
            "year": 2023,
            "buy_in": (1500, "USD"),
            "stage": "final table",
            "content_type": "stream",
        },
    ),
    (
        f"{PARADISE}/2024 WSOP-PARADISE SUPER MAIN EVENT",
        "2024 WSOP Paradise Super Main Event - Final Day.mp4",
        "WSOP Paradise 2024 Super Main Event – Final Day",
        {
            "series": "WSOP Paradise",
            "year": 2024,
            "day": "Final",
            "stage": "final day",
            "content_type": "stream",
        },
    ),
    (
        f"{ARCHIVE}/GGMillions",
        "250507_Super High Roller Poker FINAL TABLE with Joey ingram.mp4",
        "GGMillions 2025 Super High Roller Poker – Final Table with Joey ingram",
        {"series": "GGMillions", "year": 2025, "stage": "final table", "content_type": "stream"},
    ),
    (
        f"{PRE_2016}/WSOP 1973",
        "wsop-1973-me-nobug.mp4",
        "WSOP 1973 Main Event",
        {"series": "WSOP", "year": 1973, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 1983",
        "WSOP_1983.mov",
        "WSOP 1983",
        {"series": "WSOP", "year": 1983, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 1987",
        "1987 World Series of Poker 1.mov",
        "WSOP 1987 (Part 1)",
        {"series": "WSOP", "year": 1987, "part": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2002",
        "2002 World Series of Poker Part 1.mov",
        "WSOP 2002 (Part 1)",
        {"series": "WSOP", "year": 2002, "part": 1, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2003",
        "2003 WSOP Best of ALL INS_ES0400136869.mov",
        "WSOP 2003 Best of All-Ins",
        {"series": "WSOP", "year": 2003, "content_type": "highlight"},
    ),
    (
        f"{PRE_2016}/WSOP 2004/MXFs",
        "WSOP_2004_22-MPEG-2 6.2Mbps 2-pass.mxf",
        "WSOP 2004 – Show 22",
        {"series": "WSOP", "year": 2004, "episode": 22, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2004/Generics",
        "2004 WSOP Show 2 1500 7CS_ESM000100723.mov",
        "WSOP 2004 $1.5K Seven Card Stud – Show 2",
        {
            "series": "WSOP",
            "year": 2004,
            "buy_in": (1500, "USD"),
            "episode": 2,
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2004/Generics",
        "2004 WSOP Tounament of Champs_Generic_ESM000101145.mov",
        "WSOP 2004 Tournament of Champions",
        {"series": "WSOP", "year": 2004, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2005/Generic",
        "WSOP 2005 Show 13 5k NLHM_ESM000101810.mov",
        "WSOP 2005 $5K NLH – Show 13",
        {
            "series": "WSOP",
            "year": 2005,
            "buy_in": (5000, "USD"),
            "episode": 13,
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2005/Generic",
        "WSOP 2005 Lake Tahoe CC_ESM000101802.mov",
        "WSOP Circuit Lake Tahoe 2005",
        {"series": "WSOP Circuit", "year": 2005, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2006",
        "WSOP 2006 Show 31 50k Horse pt1_ES0600165716_GMPO 757.mov",
        "WSOP 2006 $50K H.O.R.S.E. – Show 31 (Part 1)",
        {
            "series": "WSOP",
            "year": 2006,
            "buy_in": (50000, "USD"),
            "part": 1,
            "episode": 31,
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2007",
        "ESPN 2007 WSOP SEASON 5 SHOW 1.mov",
        "WSOP 2007 – Season 5, Show 1",
        {"series": "WSOP", "year": 2007, "episode": 1, "season": 5, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2009/Masters",
        "2009 WSOP ME25 Final Table Part 1.mov.mov",
        "WSOP 2009 Main Event – Episode 25 – Final Table (Part 1)",
        {
            "series": "WSOP",
            "year": 2009,
            "part": 1,
            "episode": 25,
            "stage": "final table",
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2009/Masters",
        "2009 WSOP Show 1 40K No Limit Champ.mov.mov",
        "WSOP 2009 $40K No Limit Championship – Show 1",
        {
            "series": "WSOP",
            "year": 2009,
            "buy_in": (40000, "USD"),
            "episode": 1,
            "content_type": "full episode",
        },
    ),
    (
        f"{PRE_2016}/WSOP 2009/Masters",
        "WSOP_2009_31-1.mxf",
        "WSOP 2009 – Show 31 (Part 1)",
        {"series": "WSOP", "year": 2009, "part": 1, "episode": 31, "content_type": "full episode"},
    ),
    (
        f"{PRE_2016}/WSOP 2010/Masters",
        "2010 WSOP Preview Show.mov",
        "WSOP 2010 Preview Show",
        {"series": "WSOP", "year": 2010, "content_type": "preview"},
    ),
    (
        f"{PRE_2016}/WSOP 2016/Main Event MXFs",
        "2016 World Series of Poker - Main Event Show 01 - GMPO 2074.mxf",
        "WSOP 2016 Main Event – Show 1",
        {"series": "WSOP", "year": 2016, "episode": 1, "content_type": "full episode"},
    ),
    (
        "GGPNAs/Clips",
        "World Series of Poker Main Event 2018 - Final Table.mp4",
        "WSOP 2018 Main Event – Final Table",
        {"series": "WSOP", "year": 2018, "stage": "final table", "content_type": "clip"},
    ),
    (
        "GGPNAs/Clips",
        "Doug Polk Goes CRAZY at 2023 World Series of Poker!.mp4",
        "Doug Polk Goes Crazy at 2023 World Series of Poker",
        {"series": "WSOP", "year": 2023, "content_type": "clip"},
    ),
    (
        "GGPNAs/Clips",
        "Is This The Craziest Poker Player Ever.mp4",
        "Is This The Craziest Poker Player Ever",
        {"content_type": "clip"},
    ),
    (
        "GGPNAs/Clips",
        "시퀀스 01.mp4",
        "시퀀스 01",
        {"content_type": "clip"},
    ),
    (
        f"{PARADISE}/2023 WSOP-PARADISE/SUBCLIP",
        "A9o vs Kqo ho.mp4",
        "WSOP Paradise 2023 – A9o vs Kqo ho",
        {"series": "WSOP Paradise", "year": 2023, "content_type": "hand clip"},
    ),
]


def _metadata_subset(folder: str, name: str, keys: dict[str, Any]) -> dict[str, Any]:
    metadata = generate_title(name, f"{folder}/{name}").to_dict()["metadata"]
    got = {key: metadata[key] for key in keys}
    if got.get("buy_in"):
        got["buy_in"] = (got["buy_in"]["amount"], got["buy_in"]["currency"])
    return got


def test_the_table_covers_many_real_names() -> None:
    assert len(CASES) >= 60
    assert len({name for _, name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("folder", "name", "display", "keys"), CASES, ids=[c[1] for c in CASES])
def test_display_title(folder: str, name: str, display: str, keys: dict[str, Any]) -> None:
    assert generate_title(name, f"{folder}/{name}").display_title == display


@pytest.mark.parametrize(("folder", "name", "display", "keys"), CASES, ids=[c[1] for c in CASES])
def test_metadata(folder: str, name: str, display: str, keys: dict[str, Any]) -> None:
    assert _metadata_subset(folder, name, keys) == keys
